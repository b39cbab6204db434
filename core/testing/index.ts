/**
 * rbmkit/testing: what a plugin author needs to test against a real bot over real HTTP.
 */
export { payloads, type PayloadBase } from './payloads.js';
export { post, signedPush, type SignOptions, type SignedPush } from './signed-push.js';
export { startTestBot, type PushAnswer, type PushFailure, type TestBot, type TestBotOptions } from './start-test-bot.js';
export { FakeRbmApi, type FakeEvent, type FakeMessage, type FakeRbmApiOptions, type FakeTester, type FakeUpload, type RecordedRequest } from './fake-rbm-api.js';
export { bmPayloads, type BmPayloadBase } from './bm-payloads.js';
export { signedBmRequest } from './signed-bm-request.js';
export { FakeBmApi, type FakeBmApiOptions, type FakeBmEvent, type FakeBmMessage, type FakeBmReceipt } from './fake-bm-api.js';
export { TestConversation, type BotTurn, type ConversationPeer } from './test-conversation.js';
