/**
 * rbmkit/plugins: the first-party plugins, written only against rbmkit's public API.
 */
import { PluginRegistry } from 'rbmkit/advanced';
import { echo } from './echo.js';
import { keywords } from './keywords.js';
import { logging } from './logging.js';

export { echo, ECHO_KINDS, type EchoKind, type EchoOptions } from './echo.js';
export { logging, type LoggingOptions, type LogLevel } from './logging.js';
export {
  keywords,
  DEFAULT_START_WORDS,
  DEFAULT_STOP_WORDS,
  type KeywordEvent,
  type KeywordRoute,
  type KeywordsOptions,
  type OptOutOptions,
  type RouteAction,
} from './keywords.js';
export {
  defineFlow,
  invalid,
  isInvalid,
  type Flow,
  type FlowBuilder,
  type FlowOptions,
  type FlowStart,
  type FlowStep,
  type Invalid,
  type Prompt,
  type SharedLocation,
  type StepOptions,
} from './flows/define-flow.js';
export { flows, flowsPlugin, DEFAULT_CANCEL_WORDS, DEFAULT_FLOW_STOP_WORDS, type FlowsOptions } from './flows/flows-plugin.js';
export { toFlowRecord, type FlowRecord } from './flows/flow-record.js';
export { withSuggestions } from './with-suggestions.js';
export { KeywordMatcher, type RouteCondition, type RouteMatch } from './keyword-matcher.js';
export { normalizeText, sentText } from './normalize-text.js';

/**
 * A plugin registry holding every first-party plugin, for configs that name plugins.
 *
 * @example
 * createBot({ registry: firstPartyRegistry(), partner: { clientToken, plugins: ['logging', 'echo'] } });
 */
export function firstPartyRegistry(): PluginRegistry {
  return new PluginRegistry().register(echo, logging, keywords);
}
