import { authRouter } from './routers/auth';
import { biddingRouter } from './routers/bidding';
import { calendarRouter } from './routers/calendar';
import { certificateRouter } from './routers/certificate';
import { directoryRouter } from './routers/directory';
import { evaluationRouter } from './routers/evaluation';
import { hallRouter } from './routers/hall';
import { logRouter } from './routers/log';
import { portalRouter } from './routers/portal';
import { tenderRouter } from './routers/tender';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  directory: directoryRouter,
  log: logRouter,
  portal: portalRouter,
  tender: tenderRouter,
  bidding: biddingRouter,
  calendar: calendarRouter,
  certificate: certificateRouter,
  hall: hallRouter,
  evaluation: evaluationRouter,
});

export type AppRouter = typeof appRouter;
