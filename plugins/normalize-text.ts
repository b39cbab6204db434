import transliterate from '@sindresorhus/transliterate';

/**
 * Folds text for matching: compatibility forms, accents and case are ignored, any run of
 * non-letters/digits becomes one space. "Thực  ĐƠN!" and "thuc don" fold alike.
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
