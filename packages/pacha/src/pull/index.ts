/** Pull: download plans fetched into the store (resumable, verified, shared between processes). */
export { pull } from './pull.js';
export type { PullEvent, PullOptions, PullResult } from './pull.js';
export { downloadBlob } from './download.js';
export type { BlobRequest, DownloadOptions, DownloadResult } from './download.js';
export { DigestMismatchError, DiskSpaceError, HttpStatusError, NetworkError, PullAbortedError, PullError, RemoteFormatError } from './errors.js';
