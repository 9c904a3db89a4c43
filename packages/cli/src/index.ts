export { verifyRemoteLog, formatReport, type VerifyLogOptions, type VerifyLogResult } from './verify-log';
export { connect, logSource } from './http-source';
