import { RBM_USER_EVENT_TYPES, type RbmUserEventType } from '../events/wire-names.js';
import { payloads } from '../testing/payloads.js';

/** The events a user's phone sends about itself or the agent's messages: every RBM user event in `EVENT_KINDS`. */
export const USER_EVENT_TYPES: readonly UserEventType[] = RBM_USER_EVENT_TYPES;
export type UserEventType = RbmUserEventType;

/** Something a user does on the phone, which Google turns into a push to the agent. */
export type UserAction =
  | { readonly type: 'text'; readonly text: string }
  /** A tap on a chip: what Google sends is the chip's postbackData and text, and whether it is a reply or an action. */
  | { readonly type: 'tap'; readonly postbackData: string; readonly text: string; readonly kind: 'REPLY' | 'ACTION' }
  | { readonly type: 'location'; readonly latitude: number; readonly longitude: number }
  /** A file the user shares, by URL. */
  | { readonly type: 'file'; readonly url: string; readonly mimeType?: string }
  /** DELIVERED and READ name the agent's message they are about. */
  | { readonly type: 'event'; readonly eventType: UserEventType; readonly messageId?: string };

/** Who is talking to whom. */
export interface Participants {
  readonly agentId: string;
  /** The user's E.164 number. */
  readonly phone: string;
}

const MIME_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  pdf: 'application/pdf',
  txt: 'text/plain',
  vcf: 'text/vcard',
};

/**
 * The file name at the end of a URL, and a MIME type guessed from its extension.
 *
 * @example
 * fileFromUrl('https://example.com/cat.jpg?x=1'); // { fileName: 'cat.jpg', mimeType: 'image/jpeg' }
 */
export function fileFromUrl(url: string): { fileName: string; mimeType: string } {
  const path = url.split(/[?#]/)[0] ?? '';
  const fileName = decodeURIComponentSafe(path.split('/').pop() ?? '') || 'file';
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
  return { fileName, mimeType: MIME_TYPES[extension] ?? 'application/octet-stream' };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The decoded RBM document Google would push for a user action, and its id (the messageId of
 * a message, the eventId of an event).
 *
 * @example
 * userPayload({ type: 'text', text: 'hi' }, { agentId: 'cafe@rbm.goog', phone: '+15555550100' });
 * // { id: '…', data: { agentId: 'cafe@rbm.goog', senderPhoneNumber: '+15555550100', messageId: '…', sendTime: '…', text: 'hi' } }
 */
export function userPayload(action: UserAction, who: Participants): { id: string; data: Record<string, unknown> } {
  const base = { agentId: who.agentId, phone: who.phone };
  let data: Record<string, unknown>;
  switch (action.type) {
    case 'text':
      data = payloads.text({ ...base, text: action.text });
      break;
    case 'tap':
      data = payloads.suggestion({ ...base, postbackData: action.postbackData, text: action.text, type: action.kind });
      break;
    case 'location':
      data = payloads.location({ ...base, latitude: action.latitude, longitude: action.longitude });
      break;
    case 'file': {
      const guessed = fileFromUrl(action.url);
      data = payloads.file({ ...base, fileUri: action.url, fileName: guessed.fileName, mimeType: action.mimeType ?? guessed.mimeType, fileSizeBytes: 0 });
      break;
    }
    case 'event':
      data = payloads.userEvent({ ...base, eventType: action.eventType, ...(action.messageId === undefined ? {} : { messageId: action.messageId }) });
      return { id: String(data.eventId), data };
  }
  return { id: String(data.messageId), data };
}
