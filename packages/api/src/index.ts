export { appRouter, type AppRouter } from './router';
export { createCallerFactory } from './trpc';
export type { AppErrorData, Meta } from './trpc';
export * from './context';
export { createApiHandler, createContext, requestInfoOf, type HttpOptions } from './http';
export { seedDemo, DEMO_PASSWORD, type DemoLogin } from './seed/demo';
export { hashPassword } from './auth/password';
export { takeDueTransitions } from './tender/timed-transitions';
export { restRoutes } from './rest';
