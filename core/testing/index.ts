/**
 * rbmkit/testing: what a plugin author needs to test against a real bot over real HTTP.
 */
export { payloads, type PayloadBase } from './payloads.js';
export { post, signedPush, type SignOptions, type SignedPush } from './signed-push.js';
export { startTestBot, type PushAnswer, type PushFailure, type TestBot, type TestBotOptions } from './start-test-bot.js';
export { FakeRbmApi, type FakeEvent, type FakeMessage, type FakeRbmApiOptions, type FakeTester, type FakeUpload, type RecordedRequest } from './fake-rbm-api.js';
