import type { ExportFormatInfo, ExportFormatList } from '../api/get-export-formats';

const entry = (
  name: string,
  title: string,
  campaign_kinds: ExportFormatInfo['campaign_kinds'],
  aggregates: boolean,
  options: string[],
): ExportFormatInfo => ({
  name,
  title,
  description: `${title}: rows for tests.`,
  campaign_kinds,
  row_grain: 'one row per test',
  tree_row_grain: null,
  columns: [],
  tree_columns: null,
  trainer: null,
  aggregates,
  options: options.map((option) => ({ name: option, description: option })),
});

/** GET /api/exports/formats as the server answers it (names, kinds and options; no columns). */
export const exportFormats: ExportFormatList = {
  formats: [
    entry('trees', 'Trees (whole conversation trees)', ['conversation-tree'], false, ['include_profiles']),
    entry('dpo', 'DPO (chosen / rejected pairs)', ['item', 'conversation-tree'], true, ['conversational', 'min_agreement', 'include_profiles', 'aggregation', 'drop_ties']),
    entry('judgments', 'Raw judgments (every answer, never aggregated)', ['item', 'conversation-tree'], false, ['min_agreement', 'include_profiles']),
    entry('kto', 'KTO (unpaired good / bad)', ['item', 'conversation-tree'], true, ['conversational', 'min_agreement', 'include_profiles', 'aggregation', 'drop_ties', 'kto_from_preferences']),
    entry('reward', 'Reward (implicit prompt, margin)', ['item'], true, ['conversational', 'min_agreement', 'include_profiles', 'aggregation', 'drop_ties']),
    entry('ranking', 'Ranking (best first)', ['item', 'conversation-tree'], true, ['conversational', 'min_agreement', 'include_profiles', 'aggregation', 'drop_ties']),
    entry('ratings', 'Ratings (a column per attribute)', ['item'], false, ['conversational', 'min_agreement', 'include_profiles']),
    entry('feedback', 'Feedback (critique, refinement)', ['item'], false, ['conversational', 'min_agreement', 'include_profiles']),
    entry('annotators', 'Annotators (one row per annotator)', ['item', 'conversation-tree'], false, ['include_profiles']),
  ],
};
