// Finding, making and scrolling the page's elements. Every value from the agent is put in the
// page as text (textContent), never as HTML.

/**
 * The page's element with this id: index.html holds every one the script asks for.
 *
 * @param {string} id
 * @example
 * $('text').focus();
 */
export const $ = (id) => /** @type {HTMLElement & HTMLInputElement} */ (document.getElementById(id));

/**
 * An element with a class and text.
 *
 * @example
 * el('span', 'badge', '2 new'); // <span class="badge">2 new</span>
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/**
 * Scrolls the phone to its newest message.
 *
 * @example
 * $('messages').append(row);
 * scrollDown();
 */
export function scrollDown() {
  const scroller = $('scroller');
  scroller.scrollTop = scroller.scrollHeight;
}
