import { parseDocument, stringify } from 'yaml';

import { isRecord, type SpecDocument } from './spec-document';

export type YamlProblem = { line: number | null; message: string };
export type ParsedYaml = { spec: SpecDocument; problems: [] } | { spec: null; problems: YamlProblem[] };

export const specToYaml = (spec: SpecDocument): string => stringify(spec, { lineWidth: 0 });

/** The spec the YAML says, or every syntax problem with its line. */
export function yamlToSpec(text: string): ParsedYaml {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    return {
      spec: null,
      problems: document.errors.map((error) => ({ line: error.linePos?.[0].line ?? null, message: error.message.split('\n')[0] })),
    };
  }
  const value: unknown = document.toJS();
  if (!isRecord(value)) return { spec: null, problems: [{ line: 1, message: 'A spec is a mapping of fields (name:, slug:, questions:, …)' }] };
  return { spec: value as SpecDocument, problems: [] };
}
