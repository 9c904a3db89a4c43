import { authRouter } from './routers/auth';
import { directoryRouter } from './routers/directory';
import { logRouter } from './routers/log';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  directory: directoryRouter,
  log: logRouter,
});

export type AppRouter = typeof appRouter;
