export { appRouter, type AppRouter } from './router';
export { createCallerFactory } from './trpc';
export type { AppErrorData, Meta } from './trpc';
export * from './context';
export { createApiHandler, createContext, requestInfoOf, type HttpOptions } from './http';
export { seedDemo, DEMO_PASSWORD, type DemoLogin } from './seed/demo';
export { demoDrafts, seedDemoPlatform, seedDemoSections } from './seed/demo-sections';
export { loadShippedHolidays } from './tender/shipped-holidays';
export { portalCacheStats } from './routers/portal';
export type { PortalCacheStats } from './tender/portal-cache';
export { hashPassword } from './auth/password';
export { takeDueTransitions } from './tender/timed-transitions';
export { restRoutes } from './rest';
export { createReceiptSigner, verifyReceipt, receiptSignedBytes, type Receipt, type ReceiptBody } from './bidding/receipt';
export { DEFAULT_MAX_ENVELOPE_BYTES } from './bidding/uploads';
export { sweepStagedUploads, type SweptUpload } from './bidding/staging-sweep';
export {
  requireValidCertificate,
  validateCertificateRow,
  trustedRootsOf,
  type CertificateRow,
  type ValidCertificate,
} from './certificate/require-valid-certificate';
export { publishLive, LIVE_CHANNEL, type LiveEvent, type LiveEventInput } from './live/publish';
export { createLiveHub, watchLive, type LiveHub } from './live/watch';
export { liveSubscription } from './live/subscription';
