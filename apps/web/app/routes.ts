import { index, route, type RouteConfig } from '@react-router/dev/routes';

export default [
  index('routes/home.tsx'),
  route('verify', 'routes/verify.tsx'),
  route('login', 'routes/login.tsx'),
  route('set-lang', 'routes/set-lang.ts'),
  route('w', 'routes/workspace/layout.tsx', [
    index('routes/workspace/index.ts'),
    route('password', 'routes/workspace/password.tsx'),
    route('bidder', 'routes/workspace/bidder.tsx'),
    route('tenderer', 'routes/workspace/tenderer.tsx'),
    route('agency', 'routes/workspace/agency.tsx'),
    route('expert', 'routes/workspace/expert.tsx'),
    route('guarantor', 'routes/workspace/guarantor.tsx'),
    route('centre', 'routes/workspace/centre.tsx'),
    route('supervisor', 'routes/workspace/supervisor.tsx'),
    route('supervisor/trace', 'routes/workspace/trace.tsx'),
  ]),
  route('*', 'routes/not-found.tsx'),
] satisfies RouteConfig;
