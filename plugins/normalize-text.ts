import transliterate from '@sindresorhus/transliterate';

/**
 * Folds text for matching: compatibility forms, accents and case are ignored, any run of
 * non-letters/digits becomes one space. "Thực  ĐƠN!" and "thuc don" fold alike. Word and
 * phrase routes match on this, and pattern routes that ask for it (`fold: true`).
 *
 * @example
 * normalizeText('Thực đơn!'); // 'thuc don'
 */
export function normalizeText(text: string): string {
  return transliterate(text.normalize('NFKC'))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The text as the user sent it, made comparable: Unicode-normalized (NFC, so "ở" typed as
 * "o" + two combining marks equals the precomposed letter) and trimmed. Case, accents and
 * punctuation are kept. Pattern routes match on this unless they ask for folding.
 *
 * @example
 * sentText('  Order Pho\u031B\u0309 bò\n'); // 'Order Phở bò'
 */
export function sentText(text: string): string {
  return text.normalize('NFC').trim();
}
