import { DrillbookError } from '../errors.js';

/** The secret (or the version/stage asked for) does not exist. */
export class SecretNotFoundError extends DrillbookError {}

/** Rotation is turned off for the secret: rotation functions refuse to act. */
export class RotationDisabledError extends DrillbookError {}

/** The token / staging labels do not allow this step (not AWSPENDING, unknown version, ...). */
export class RotationStateError extends DrillbookError {}

/** The stored secret value does not have the shape its rotation type needs. */
export class SecretFormatError extends DrillbookError {}

/** The secret is not a JWT key ring (an HMAC or Postgres secret, say): it has no JWKS. */
export class NotAJwtSecretError extends SecretFormatError {}

/** testSecret found the pending secret unusable. */
export class RotationTestError extends DrillbookError {}

/** setSecret could not apply the pending secret to the service (database, ...). */
export class RotationSetError extends DrillbookError {}
