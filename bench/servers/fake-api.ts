// The fake RBM API for the echo-over-HTTP variant, in a process of its own, recording nothing.
import { FakeRbmApi } from 'rbmkit/testing';
import { announce } from './verify.js';

const api = await FakeRbmApi.start({ record: false });
announce(Number(new URL(api.url).port));
