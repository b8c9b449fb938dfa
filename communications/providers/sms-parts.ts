/** SMS parts a text takes: 160/153 characters in GSM-7, 70/67 in UCS-2 (any Cyrillic letter). */
export function smsParts(text: string): number {
  const gsm = /^[\x20-\x7E\n\r]*$/.test(text);
  const [one, many] = gsm ? [160, 153] : [70, 67];
  return text.length <= one ? 1 : Math.ceil(text.length / many);
}
