import { index, route, type RouteConfig } from '@react-router/dev/routes';

export default [
  index('routes/home.tsx'),
  route('sections', 'routes/sections.tsx'),
  route('sections/:sectionId', 'routes/section.tsx'),
  route('sections/:sectionId/hall', 'routes/hall.tsx'),
  route('verify', 'routes/verify.tsx'),
  route('login', 'routes/login.tsx'),
  route('set-lang', 'routes/set-lang.ts'),
  // Development and browser tests only: answers 404 unless GGZY_DEV_ROUTES=true.
  route('dev/seal', 'routes/dev-seal.tsx'),
  route('w', 'routes/workspace/layout.tsx', [
    index('routes/workspace/index.ts'),
    route('password', 'routes/workspace/password.tsx'),
    route('certificate', 'routes/workspace/certificate.tsx'),
    route('bidder', 'routes/workspace/bidder.tsx'),
    route('bidder/sections/:sectionId/bid', 'routes/workspace/bid.tsx'),
    // The tenderer and its agency run sections the same way: one module each, mounted twice.
    route('tenderer', 'routes/workspace/tenderer.tsx'),
    route('tenderer/new', 'routes/workspace/tender-new.tsx', { id: 'tenderer-new' }),
    route('tenderer/sections/:sectionId', 'routes/workspace/tender-section.tsx', { id: 'tenderer-section' }),
    route('agency', 'routes/workspace/agency.tsx'),
    route('agency/new', 'routes/workspace/tender-new.tsx', { id: 'agency-new' }),
    route('agency/sections/:sectionId', 'routes/workspace/tender-section.tsx', { id: 'agency-section' }),
    route('expert', 'routes/workspace/expert.tsx'),
    route('guarantor', 'routes/workspace/guarantor.tsx'),
    route('centre', 'routes/workspace/centre.tsx'),
    route('centre/calendar', 'routes/workspace/calendar.tsx', { id: 'centre-calendar' }),
    route('centre/holidays', 'routes/workspace/holidays.tsx'),
    route('supervisor', 'routes/workspace/supervisor.tsx'),
    route('supervisor/calendar', 'routes/workspace/calendar.tsx', { id: 'supervisor-calendar' }),
    route('supervisor/trace', 'routes/workspace/trace.tsx'),
    route('supervisor/sections/:id', 'routes/workspace/supervisor-section.tsx'),
  ]),
  route('*', 'routes/not-found.tsx'),
] satisfies RouteConfig;
