import { randomUUID } from 'node:crypto';
import { EVENT_KINDS } from '../events/event-kinds.js';
import type { RbmUserEventType } from '../events/wire-names.js';

/** Fields every user payload builder takes; all have test defaults. */
export interface PayloadBase {
  readonly agentId?: string;
  readonly phone?: string;
  readonly messageId?: string;
  readonly sendTime?: string;
}

const base = (p: PayloadBase) => ({
  agentId: p.agentId ?? 'test-agent@rbm.goog',
  senderPhoneNumber: p.phone ?? '+12223334444',
  messageId: p.messageId ?? randomUUID(),
  sendTime: p.sendTime ?? new Date().toISOString(),
});

/**
 * Decoded RBM documents, as Google signs them, for every event kind. Feed them to
 * {@link signedPush}.
 *
 * @example
 * payloads.text({ text: 'hi', agentId: 'shop@rbm.goog' });
 */
export const payloads = {
  text: (p: PayloadBase & { text: string }) => ({ ...base(p), text: p.text }),
  suggestion: (p: PayloadBase & { postbackData: string; text?: string; type?: 'REPLY' | 'ACTION' }) => ({
    ...base(p),
    suggestionResponse: { postbackData: p.postbackData, text: p.text ?? p.postbackData, type: p.type ?? 'REPLY' },
  }),
  location: (p: PayloadBase & { latitude: number; longitude: number }) => ({
    ...base(p),
    location: { latitude: p.latitude, longitude: p.longitude },
  }),
  file: (p: PayloadBase & { fileUri?: string; mimeType?: string; fileName?: string; fileSizeBytes?: number }) => ({
    ...base(p),
    userFile: {
      payload: {
        mimeType: p.mimeType ?? 'image/jpeg',
        fileSizeBytes: p.fileSizeBytes ?? 1024,
        fileUri: p.fileUri ?? 'https://example.com/file.jpg',
        fileName: p.fileName ?? 'file.jpg',
      },
    },
  }),
  userEvent: (p: Omit<PayloadBase, 'messageId'> & { eventType: RbmUserEventType; eventId?: string; messageId?: string }) => ({
    agentId: p.agentId ?? 'test-agent@rbm.goog',
    senderPhoneNumber: p.phone ?? '+12223334444',
    eventType: p.eventType,
    eventId: p.eventId ?? randomUUID(),
    ...(p.messageId === undefined ? {} : { messageId: p.messageId }),
    sendTime: p.sendTime ?? new Date().toISOString(),
  }),
  ttl: (p: { agentId?: string; phone?: string; messageId?: string; eventId?: string; failed?: boolean }) => ({
    agentId: p.agentId ?? 'test-agent@rbm.goog',
    phoneNumber: p.phone ?? '+12223334444',
    messageId: p.messageId ?? randomUUID(),
    eventType: (p.failed === true ? EVENT_KINDS.ttlRevokeFailed : EVENT_KINDS.ttlRevoked).rbm.eventType,
    eventId: p.eventId ?? randomUUID(),
    sendTime: new Date().toISOString(),
  }),
  agentLaunch: (p: { agentId?: string; newLaunchState?: string; oldLaunchState?: string; eventId?: string }) => ({
    eventId: p.eventId ?? randomUUID(),
    agentId: p.agentId ?? 'test-agent@rbm.goog',
    botDisplayName: 'Test Agent',
    brandId: 'brand-1',
    brandDisplayName: 'Test Brand',
    regionId: 'region-1',
    oldLaunchState: p.oldLaunchState ?? 'PENDING',
    newLaunchState: p.newLaunchState ?? 'LAUNCHED',
    actingParty: 'CARRIER',
    comment: '',
    sendTime: new Date().toISOString(),
  }),
};
