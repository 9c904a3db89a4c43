export { verifyRemoteLog, formatReport, exitCodeOf, EXIT, type VerifyLogOptions, type VerifyLogResult } from './verify-log';
export { connect, logSource } from './http-source';
export { openSession, signIn, type Session } from './session';
export { buildSubmitMessage, buildWithdrawMessage, SUBMIT_CONTEXT, WITHDRAW_CONTEXT } from './submit';
export { receiptSigningBytes, verifyReceiptSignature, verifyReceiptInclusion, verifyReceiptInLog, entryProblems } from './receipt';
export { formatDrawVerification, VERIFY_DRAW_EXIT } from './verify-draw';
