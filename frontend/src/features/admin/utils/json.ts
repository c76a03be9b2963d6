export type ParsedObject = { ok: true; value: Record<string, unknown> | undefined } | { ok: false; error: string };

/** A JSON object typed into a textarea: blank means "none"; anything but an object is an error. */
export function parseJsonObject(text: string): ParsedObject {
  if (text.trim() === '') return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: 'Must be a JSON object, e.g. {"temperature": 0.7}.' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
