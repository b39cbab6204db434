// What a suggestion chip says and does, read from an RBM Suggestion. One implementation for the
// web chat page (the browser loads this file as it is) and the terminal chat (render-message.ts
// imports it as `#describe-suggestion`, mapped in package.json), so the two never disagree: plain
// JavaScript without imports, its types in describe-suggestion.d.ts.

/**
 * The chip's label and kind, what the phone would do on a tap (`what`, a sentence for the page;
 * `gist`, a few words for a terminal line; both empty for a reply), the URL an openUrl action
 * opens, and what the tap sends back. The suggestion comes from the agent: a malformed one is
 * described as an unknown action rather than thrown on.
 *
 * @param {any} suggestion a Suggestion as the agent sent it
 * @returns {import('./describe-suggestion.js').SuggestionDescription}
 * @example
 * describeSuggestion({ action: { text: 'Call', postbackData: 'call', dialAction: { phoneNumber: '+15551234567' } } });
 * // { text: 'Call', kind: 'dial', what: 'opens the dialer with +15551234567', gist: 'dial +15551234567',
 * //   tap: { postbackData: 'call', text: 'Call', kind: 'ACTION' } }
 */
export function describeSuggestion(suggestion) {
  if (suggestion.reply) {
    const { text, postbackData } = suggestion.reply;
    return { text, kind: 'reply', what: '', gist: '', tap: { postbackData, text, kind: /** @type {const} */ ('REPLY') } };
  }
  const action = suggestion.action || {};
  const text = action.text;
  const tap = { postbackData: action.postbackData ?? '', text: action.text ?? '', kind: /** @type {const} */ ('ACTION') };
  if (action.dialAction) {
    const number = action.dialAction.phoneNumber;
    return { text, kind: 'dial', what: `opens the dialer with ${number}`, gist: `dial ${number}`, tap };
  }
  if (action.openUrlAction) {
    const { url, application, webviewViewMode } = action.openUrlAction;
    const mode = application === 'WEBVIEW' ? ` in a webview${webviewViewMode ? ` (${webviewViewMode})` : ''}` : '';
    return { text, kind: 'url', what: `opens ${url}${mode}`, gist: `open ${url}`, url, tap };
  }
  if (action.shareLocationAction) return { text, kind: 'shareLocation', what: 'asks you to share your location', gist: 'share location', tap };
  if (action.viewLocationAction) {
    const v = action.viewLocationAction;
    const where = v.latLong ? `${v.latLong.latitude}, ${v.latLong.longitude}${v.label ? ` (${v.label})` : ''}` : (v.query ?? 'a place');
    return { text, kind: 'viewLocation', what: `shows ${where} on a map`, gist: 'view location', tap };
  }
  if (action.createCalendarEventAction) {
    const c = action.createCalendarEventAction;
    // The page shows the start in the browser's own time zone and format.
    return { text, kind: 'calendar', what: `adds "${c.title}" to the calendar, ${new Date(c.startTime).toLocaleString()}`, gist: `calendar: ${c.title}`, tap };
  }
  return { text, kind: 'action', what: 'an action this page does not know', gist: 'action', tap };
}
