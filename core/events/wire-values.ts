import { isJsonObject } from './json-value.js';
import type { UserFileInfo } from './event-types.js';

/**
 * A decoded wire value if it is a string, else undefined: Google's pages disagree on which
 * fields are sent, so every field is read as possibly missing.
 *
 * @example
 * wireString('hi'); // 'hi'
 * wireString(42); // undefined
 */
export function wireString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * A decoded wire value as a finite number; numeric strings count, since some documents quote
 * their coordinates and sizes.
 *
 * @example
 * wireNumber('1.5'); // 1.5
 * wireNumber(''); // undefined
 */
export function wireNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/**
 * The last segment of a resource name: `conversations/C/messages/M` → `M`.
 *
 * @example
 * lastSegment('conversations/C/messages/M'); // 'M'
 * lastSegment(''); // undefined
 */
export function lastSegment(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  const at = name.lastIndexOf('/');
  return at === -1 ? name : name.slice(at + 1);
}

/**
 * A file the user shared (RBM `userFile.payload` or `.thumbnail`), each field kept only when
 * it has the right type; undefined when the value is no object.
 *
 * @example
 * wireFileInfo({ mimeType: 'image/png', fileSizeBytes: '10' }); // { mimeType: 'image/png', fileSizeBytes: 10, fileUri: undefined, fileName: undefined }
 */
export function wireFileInfo(value: unknown): UserFileInfo | undefined {
  if (!isJsonObject(value)) return undefined;
  return {
    mimeType: wireString(value.mimeType),
    fileSizeBytes: wireNumber(value.fileSizeBytes),
    fileUri: wireString(value.fileUri),
    fileName: wireString(value.fileName),
  };
}
