/**
 * pacha: the model registry — a content-addressed store of GGUF models under `$PACHA_HOME`, model
 * names and source references, and their resolution to download plans.
 */
export { PachaError, RefError, NotFoundError, LockError, FormatError } from './errors.js';
export { isDigest, sha256Bytes, sha256File, shortId, blobFileName, digestOfBlobName } from './digest.js';
export { writeFileAtomic } from './atomic.js';
export { withLock } from './lock.js';
export type { LockOptions } from './lock.js';
export { MEDIA_TYPES, layerKind, modelLayer, modelLayers, parseManifest } from './manifest.js';
export type { Layer, LayerKind, Manifest } from './manifest.js';
export {
  DEFAULT_HOST,
  DEFAULT_NAMESPACE,
  DEFAULT_TAG,
  displayModelName,
  formatModelName,
  isNamePart,
  isTag,
  parseModelName,
  sanitizeNamePart,
  sanitizeTag,
} from './model-name.js';
export type { ModelName } from './model-name.js';
export { DEFAULT_QUANT, QWEN_CODER_FAMILY, QWEN_CODER_QUANTS, QWEN_CODER_SIZES, resolveAlias } from './aliases.js';
export type { AliasTarget } from './aliases.js';
export { formatSourceRef, parseSourceRef } from './source-ref.js';
export type { SourceRef } from './source-ref.js';
export { HF_DEFAULT_ENDPOINT, HF_STORE_HOST, OLLAMA_DEFAULT_REGISTRY, pickQuantFile, resolveSource } from './resolve.js';
export type { DownloadPlan } from './resolve.js';
export { Store, defaultPachaHome } from './store.js';
export type { ImportResult, ListEntry, ShowResult, VerifyProblem, VerifyReport } from './store.js';
export { SignatureError, KeyError } from './errors.js';
export { generateKeyPair, keyIdOf, parsePrivateKey, parsePublicKey, publicKeyOf, readKeyFile, writeKeyFile } from './keys.js';
export type { KeyPairPem, PublicKeyInfo } from './keys.js';
export {
  SIGNATURE_SCHEMA,
  checkSignature,
  encodeSignature,
  isSignatureLayer,
  manifestDigest,
  parseSignature,
  signDigest,
  signaturePayload,
} from './signing.js';
export type { SignatureCheck, SignatureDoc } from './signing.js';
export { listTrustedKeys, trustKey, trustedKeysDir, untrustKey } from './trusted-keys.js';
export type { TrustedKey } from './trusted-keys.js';
export { signModel } from './sign-model.js';
export type { SignResult } from './sign-model.js';
export { loadTrustedKeys, requireTrustedSignature, verifyModel } from './verify-model.js';
export type { LayerCheck, ModelSignatureStatus, ModelVerifyReport, SignatureLayerCheck, SignatureLayerStatus, TrustedKeySet } from './verify-model.js';
export {
  DigestMismatchError,
  DiskSpaceError,
  HttpStatusError,
  NetworkError,
  PullAbortedError,
  PullError,
  RemoteFormatError,
  downloadBlob,
  pull,
} from './pull/index.js';
export type { BlobRequest, DownloadOptions, DownloadResult, PullEvent, PullOptions, PullResult } from './pull/index.js';
