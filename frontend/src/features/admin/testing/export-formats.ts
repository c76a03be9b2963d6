// GET /api/exports/formats as the server answers it, for the admin UI's tests.
// Written by tests/exports/test_format_question_kinds.py, which fails when the
// server's list changes; PREFHUB_WRITE_FIXTURES=1 and that test rewrite it.
// Do not edit by hand.
import type { ExportFormatList } from '../api/get-export-formats';

export const exportFormats: ExportFormatList = {
  "formats": [
    {
      "name": "trees",
      "title": "Trees (whole conversation trees)",
      "description": "One conversation tree per line with every visible message, label and rank.",
      "campaign_kinds": [
        "conversation-tree"
      ],
      "row_grain": "one conversation tree per line",
      "tree_row_grain": null,
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "tree_id",
          "type": "integer",
          "description": "the tree",
          "repeated": false,
          "fields": []
        },
        {
          "name": "state",
          "type": "text",
          "description": "the tree's state",
          "repeated": false,
          "fields": []
        },
        {
          "name": "lang",
          "type": "text",
          "description": "language",
          "repeated": false,
          "fields": []
        },
        {
          "name": "prompt",
          "type": "record",
          "description": "the root message, replies nested in `replies` (OpenAssistant Conversations field names)",
          "repeated": false,
          "fields": [
            {
              "name": "message_id",
              "type": "integer",
              "description": "the message",
              "repeated": false,
              "fields": []
            },
            {
              "name": "parent_id",
              "type": "integer",
              "description": "the message it replies to; null for the prompt",
              "repeated": false,
              "fields": []
            },
            {
              "name": "role",
              "type": "text",
              "description": "prompter or assistant",
              "repeated": false,
              "fields": []
            },
            {
              "name": "content",
              "type": "text",
              "description": "the text (a list of parts when the export holds media)",
              "repeated": false,
              "fields": []
            },
            {
              "name": "lang",
              "type": "text",
              "description": "language",
              "repeated": false,
              "fields": []
            },
            {
              "name": "depth",
              "type": "integer",
              "description": "0 for the prompt, then one more per reply",
              "repeated": false,
              "fields": []
            },
            {
              "name": "author_id",
              "type": "text",
              "description": "pseudonymous author; null for a model's reply",
              "repeated": false,
              "fields": []
            },
            {
              "name": "synthetic",
              "type": "boolean",
              "description": "whether a model wrote it",
              "repeated": false,
              "fields": []
            },
            {
              "name": "model_name",
              "type": "text",
              "description": "the model that wrote it, if one did",
              "repeated": false,
              "fields": []
            },
            {
              "name": "review_state",
              "type": "text",
              "description": "the review outcome",
              "repeated": false,
              "fields": []
            },
            {
              "name": "review_count",
              "type": "integer",
              "description": "reviews it had",
              "repeated": false,
              "fields": []
            },
            {
              "name": "labels",
              "type": "json",
              "description": "review labels as {name: {value, count}}",
              "repeated": false,
              "fields": []
            },
            {
              "name": "rank",
              "type": "integer",
              "description": "rank among its siblings, 0 = best; null if unranked",
              "repeated": false,
              "fields": []
            },
            {
              "name": "replies",
              "type": "json",
              "description": "the replies to it, each a message like this one",
              "repeated": false,
              "fields": []
            }
          ]
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": null,
      "aggregates": false,
      "options": [
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        }
      ],
      "question_kinds": [],
      "question_kinds_by_option": {},
      "candidate_media": "any"
    },
    {
      "name": "dpo",
      "title": "DPO (chosen / rejected pairs)",
      "description": "Preference pairs with an explicit prompt, for TRL's DPOTrainer.",
      "campaign_kinds": [
        "item",
        "conversation-tree"
      ],
      "row_grain": "one row per stated preference: a pairwise choice, a ranked or a rated pair",
      "tree_row_grain": "one row per pair of sibling replies an annotator's ranking put in different tiers",
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "prompt",
          "type": "messages",
          "description": "the conversation up to the reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "chosen",
          "type": "reply",
          "description": "the preferred reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "rejected",
          "type": "reply",
          "description": "the other reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": "`DPOTrainer` (preference, explicit prompt; `RewardTrainer` accepts it too)",
      "aggregates": true,
      "options": [
        {
          "name": "conversational",
          "description": "TRL's conversational form (lists of {role, content} messages); off: its standard form (strings)"
        },
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        },
        {
          "name": "aggregation",
          "description": "how several annotators' judgments of one item become rows: none (a row per judgment), majority, bradley_terry or ranked_pairs"
        },
        {
          "name": "drop_ties",
          "description": "leave out rows that carry a tie"
        }
      ],
      "question_kinds": [
        "pairwise",
        "ranking",
        "rating"
      ],
      "question_kinds_by_option": {},
      "candidate_media": "none"
    },
    {
      "name": "judgments",
      "title": "Raw judgments (every answer, never aggregated)",
      "description": "Every answer as submitted, every revision, for analysis.",
      "campaign_kinds": [
        "item",
        "conversation-tree"
      ],
      "row_grain": "one row per (judgment, question), every revision, answers as submitted",
      "tree_row_grain": "one row per review and per ranking, as submitted, hidden messages included",
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "judgment_id",
          "type": "integer",
          "description": "the judgment",
          "repeated": false,
          "fields": []
        },
        {
          "name": "item_id",
          "type": "text",
          "description": "the item",
          "repeated": false,
          "fields": []
        },
        {
          "name": "question",
          "type": "text",
          "description": "the question id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "kind",
          "type": "text",
          "description": "the question kind",
          "repeated": false,
          "fields": []
        },
        {
          "name": "answer",
          "type": "json",
          "description": "the answer as submitted, replies named by shown label",
          "repeated": false,
          "fields": []
        },
        {
          "name": "shown_order",
          "type": "integer",
          "description": "candidate ids in the order shown",
          "repeated": true,
          "fields": []
        },
        {
          "name": "shown",
          "type": "json",
          "description": "label to candidate id and model",
          "repeated": false,
          "fields": []
        },
        {
          "name": "annotator_id",
          "type": "text",
          "description": "pseudonymous annotator",
          "repeated": false,
          "fields": []
        },
        {
          "name": "time_spent_ms",
          "type": "integer",
          "description": "time on the task",
          "repeated": false,
          "fields": []
        },
        {
          "name": "created_at",
          "type": "date_time",
          "description": "when it was submitted",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign_version",
          "type": "integer",
          "description": "the spec version judged",
          "repeated": false,
          "fields": []
        },
        {
          "name": "revision",
          "type": "integer",
          "description": "0, or how many times it was revised",
          "repeated": false,
          "fields": []
        },
        {
          "name": "supersedes",
          "type": "integer",
          "description": "the revision it replaces",
          "repeated": false,
          "fields": []
        },
        {
          "name": "current",
          "type": "boolean",
          "description": "whether it is the newest revision",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "kind",
          "type": "text",
          "description": "review or ranking",
          "repeated": false,
          "fields": []
        },
        {
          "name": "tree_id",
          "type": "integer",
          "description": "the tree",
          "repeated": false,
          "fields": []
        },
        {
          "name": "message_id",
          "type": "integer",
          "description": "the message reviewed, or the parent whose replies were ranked",
          "repeated": false,
          "fields": []
        },
        {
          "name": "answer",
          "type": "json",
          "description": "{acceptable, labels} or {ranking: tiers of message ids, best first}",
          "repeated": false,
          "fields": []
        },
        {
          "name": "shown_order",
          "type": "integer",
          "description": "the sibling order shown (rankings)",
          "repeated": true,
          "fields": []
        },
        {
          "name": "annotator_id",
          "type": "text",
          "description": "pseudonymous annotator",
          "repeated": false,
          "fields": []
        },
        {
          "name": "time_spent_ms",
          "type": "integer",
          "description": "time on the task",
          "repeated": false,
          "fields": []
        },
        {
          "name": "created_at",
          "type": "date_time",
          "description": "when it was submitted",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "trainer": null,
      "aggregates": false,
      "options": [
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        }
      ],
      "question_kinds": null,
      "question_kinds_by_option": {},
      "candidate_media": "any"
    },
    {
      "name": "kto",
      "title": "KTO (unpaired good / bad)",
      "description": "Replies labelled desirable or undesirable, for TRL's KTOTrainer.",
      "campaign_kinds": [
        "item",
        "conversation-tree"
      ],
      "row_grain": "one row per reply judged desirable or undesirable",
      "tree_row_grain": "one row per consensus-best (true) or consensus-worst (false) reply of a sibling set",
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "prompt",
          "type": "messages",
          "description": "the conversation up to the reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "completion",
          "type": "reply",
          "description": "the reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "label",
          "type": "boolean",
          "description": "true for a desirable reply and false for an undesirable one",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": "`KTOTrainer` (unpaired preference)",
      "aggregates": true,
      "options": [
        {
          "name": "conversational",
          "description": "TRL's conversational form (lists of {role, content} messages); off: its standard form (strings)"
        },
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        },
        {
          "name": "aggregation",
          "description": "how several annotators' judgments of one item become rows: none (a row per judgment), majority, bradley_terry or ranked_pairs"
        },
        {
          "name": "drop_ties",
          "description": "leave out rows that carry a tie"
        },
        {
          "name": "kto_from_preferences",
          "description": "pairwise and ranking answers also give rows (winner true, loser false)"
        }
      ],
      "question_kinds": [
        "binary",
        "negative_only"
      ],
      "question_kinds_by_option": {
        "kto_from_preferences": [
          "pairwise",
          "ranking"
        ]
      },
      "candidate_media": "none"
    },
    {
      "name": "reward",
      "title": "Reward (implicit prompt, margin)",
      "description": "Preference pairs with the prompt folded in and a margin, for TRL's RewardTrainer.",
      "campaign_kinds": [
        "item"
      ],
      "row_grain": "one row per stated preference: a pairwise choice, a ranked or a rated pair",
      "tree_row_grain": null,
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "chosen",
          "type": "messages",
          "description": "the prompt turns, then the preferred reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "rejected",
          "type": "messages",
          "description": "the prompt turns, then the other reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "margin",
          "type": "float",
          "description": "how much better `chosen` is (strength, rank distance, difference of mean ratings, or the consensus's); on every row, or on none when a pairwise question does not ask strength (or by majority)",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": "`RewardTrainer` (preference, implicit prompt)",
      "aggregates": true,
      "options": [
        {
          "name": "conversational",
          "description": "TRL's conversational form (lists of {role, content} messages); off: its standard form (strings)"
        },
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        },
        {
          "name": "aggregation",
          "description": "how several annotators' judgments of one item become rows: none (a row per judgment), majority, bradley_terry or ranked_pairs"
        },
        {
          "name": "drop_ties",
          "description": "leave out rows that carry a tie"
        }
      ],
      "question_kinds": [
        "pairwise",
        "ranking",
        "rating"
      ],
      "question_kinds_by_option": {},
      "candidate_media": "none"
    },
    {
      "name": "ranking",
      "title": "Ranking (best first)",
      "description": "Replies best first with their ranks (and scores where known).",
      "campaign_kinds": [
        "item",
        "conversation-tree"
      ],
      "row_grain": "one row per ranking (or rating) answer, replies best first",
      "tree_row_grain": "one row per set of two or more ranked sibling replies, by consensus rank",
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "prompt",
          "type": "messages",
          "description": "the conversation up to the reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "completions",
          "type": "reply",
          "description": "the replies, best first",
          "repeated": true,
          "fields": []
        },
        {
          "name": "ranks",
          "type": "integer",
          "description": "dense ranks of `completions`, 0 = best, tied replies share one",
          "repeated": true,
          "fields": []
        },
        {
          "name": "scores",
          "type": "float",
          "description": "rating means (Bradley-Terry scores when aggregated so), best first; null for ranking answers; present when the campaign has a rating question",
          "repeated": true,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": null,
      "aggregates": true,
      "options": [
        {
          "name": "conversational",
          "description": "TRL's conversational form (lists of {role, content} messages); off: its standard form (strings)"
        },
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        },
        {
          "name": "aggregation",
          "description": "how several annotators' judgments of one item become rows: none (a row per judgment), majority, bradley_terry or ranked_pairs"
        },
        {
          "name": "drop_ties",
          "description": "leave out rows that carry a tie"
        }
      ],
      "question_kinds": [
        "ranking",
        "rating"
      ],
      "question_kinds_by_option": {
        "aggregation": [
          "pairwise"
        ]
      },
      "candidate_media": "none"
    },
    {
      "name": "ratings",
      "title": "Ratings (a column per attribute)",
      "description": "Each rated reply with one integer column per rated attribute.",
      "campaign_kinds": [
        "item"
      ],
      "row_grain": "one row per (rating answer, reply)",
      "tree_row_grain": null,
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "prompt",
          "type": "messages",
          "description": "the conversation up to the reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "response",
          "type": "reply",
          "description": "the rated reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": null,
      "aggregates": false,
      "options": [
        {
          "name": "conversational",
          "description": "TRL's conversational form (lists of {role, content} messages); off: its standard form (strings)"
        },
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        }
      ],
      "question_kinds": [
        "rating"
      ],
      "question_kinds_by_option": {},
      "candidate_media": "none"
    },
    {
      "name": "feedback",
      "title": "Feedback (critique, refinement)",
      "description": "What annotators wrote about a reply: critiques and refinements.",
      "campaign_kinds": [
        "item"
      ],
      "row_grain": "one row per (judgment, reply) that a text question wrote about",
      "tree_row_grain": null,
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "prompt",
          "type": "messages",
          "description": "the conversation up to the reply",
          "repeated": false,
          "fields": []
        },
        {
          "name": "response",
          "type": "reply",
          "description": "the reply written about",
          "repeated": false,
          "fields": []
        },
        {
          "name": "critique",
          "type": "text",
          "description": "critiques and rationales of it, joined by a blank line; null if none",
          "repeated": false,
          "fields": []
        },
        {
          "name": "refinement",
          "type": "text",
          "description": "the improved reply an annotator wrote; null if none",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": null,
      "aggregates": false,
      "options": [
        {
          "name": "conversational",
          "description": "TRL's conversational form (lists of {role, content} messages); off: its standard form (strings)"
        },
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        }
      ],
      "question_kinds": [
        "text"
      ],
      "question_kinds_by_option": {},
      "candidate_media": "none"
    },
    {
      "name": "annotators",
      "title": "Annotators (one row per annotator)",
      "description": "Who the annotators are: counts, timing, reliability, and profiles on request.",
      "campaign_kinds": [
        "item",
        "conversation-tree"
      ],
      "row_grain": "one row per annotator, keyed by the pseudonymous `annotator_id`",
      "tree_row_grain": null,
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "annotator_id",
          "type": "text",
          "description": "the pseudonym the other formats use",
          "repeated": false,
          "fields": []
        },
        {
          "name": "median_time_ms",
          "type": "integer",
          "description": "median time per task",
          "repeated": false,
          "fields": []
        },
        {
          "name": "first_at",
          "type": "date_time",
          "description": "first contribution",
          "repeated": false,
          "fields": []
        },
        {
          "name": "last_at",
          "type": "date_time",
          "description": "last contribution",
          "repeated": false,
          "fields": []
        },
        {
          "name": "pairs_compared",
          "type": "integer",
          "description": "pairs where the other annotators had a plurality",
          "repeated": false,
          "fields": []
        },
        {
          "name": "reliability",
          "type": "float",
          "description": "share of those pairs where this annotator sided with it",
          "repeated": false,
          "fields": []
        },
        {
          "name": "standing",
          "type": "text",
          "description": "quality standing in the campaign: ok, flagged or excluded",
          "repeated": false,
          "fields": []
        },
        {
          "name": "standing_source",
          "type": "text",
          "description": "who set it: rule, researcher or qualification",
          "repeated": false,
          "fields": []
        },
        {
          "name": "standing_reason",
          "type": "text",
          "description": "why it was set",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": null,
      "aggregates": false,
      "options": [
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        }
      ],
      "question_kinds": null,
      "question_kinds_by_option": {},
      "candidate_media": "any"
    },
    {
      "name": "image_pairs",
      "title": "Image pairs (text-to-image preference, Pick-a-Pic shape)",
      "description": "Two generated images per row with the caption and which was preferred, for Diffusion-DPO.",
      "campaign_kinds": [
        "item"
      ],
      "row_grain": "one row per pair of image candidates an answer orders (a pairwise choice, a ranked or a rated pair) or ties, the first as shown first",
      "tree_row_grain": null,
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "caption",
          "type": "text",
          "description": "what the images were asked to show (the prompt)",
          "repeated": false,
          "fields": []
        },
        {
          "name": "jpg_0",
          "type": "text",
          "description": "the image shown first: its path under `media/`, relative to the export folder (the diffusers example reads the file's bytes)",
          "repeated": false,
          "fields": []
        },
        {
          "name": "jpg_1",
          "type": "text",
          "description": "the other image's path, likewise",
          "repeated": false,
          "fields": []
        },
        {
          "name": "label_0",
          "type": "float",
          "description": "1.0 when the first file was preferred, 0.0 when the second was, 0.5 for a tie (no ties with drop_ties)",
          "repeated": false,
          "fields": []
        },
        {
          "name": "label_1",
          "type": "float",
          "description": "1 - label_0",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": "the diffusers Diffusion-DPO example (`train_diffusion_dpo.py`: the Pick-a-Pic v2 columns, once the paths are read into bytes) and other Pick-a-Pic readers",
      "aggregates": false,
      "options": [
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        },
        {
          "name": "drop_ties",
          "description": "leave out rows that carry a tie"
        }
      ],
      "question_kinds": [
        "pairwise",
        "ranking",
        "rating"
      ],
      "question_kinds_by_option": {},
      "candidate_media": "image"
    },
    {
      "name": "audio_pairs",
      "title": "Audio pairs (speech / audio preference)",
      "description": "Two generated audio clips per row with their text and which was preferred, for TTS and text-to-audio preference training.",
      "campaign_kinds": [
        "item"
      ],
      "row_grain": "one row per pair of audio candidates an answer orders (a pairwise choice, a ranked or a rated pair) or ties, the first as shown first",
      "tree_row_grain": null,
      "columns": [
        {
          "name": "id",
          "type": "text",
          "description": "row id",
          "repeated": false,
          "fields": []
        },
        {
          "name": "campaign",
          "type": "text",
          "description": "campaign slug",
          "repeated": false,
          "fields": []
        },
        {
          "name": "text",
          "type": "text",
          "description": "what the audio was asked to say or sound like",
          "repeated": false,
          "fields": []
        },
        {
          "name": "audio_0",
          "type": "text",
          "description": "the clip played first: its path under `media/`, relative to the export folder",
          "repeated": false,
          "fields": []
        },
        {
          "name": "audio_1",
          "type": "text",
          "description": "the other clip's path, likewise",
          "repeated": false,
          "fields": []
        },
        {
          "name": "label_0",
          "type": "float",
          "description": "1.0 when the first file was preferred, 0.0 when the second was, 0.5 for a tie (no ties with drop_ties)",
          "repeated": false,
          "fields": []
        },
        {
          "name": "label_1",
          "type": "float",
          "description": "1 - label_0",
          "repeated": false,
          "fields": []
        },
        {
          "name": "metadata",
          "type": "json",
          "description": "provenance: pseudonymous annotator id, item or tree, question, source models",
          "repeated": false,
          "fields": []
        }
      ],
      "tree_columns": null,
      "trainer": "text-to-speech and text-to-audio preference training (the image_pairs columns with audio; no standard trainer reads audio pairs yet: `label_0` says which clip is chosen, as in Diffusion-DPO's data loading)",
      "aggregates": false,
      "options": [
        {
          "name": "min_agreement",
          "description": "leave out items whose annotators agree less than this (0 to 1)"
        },
        {
          "name": "include_profiles",
          "description": "the annotators' profile answers in every row's metadata"
        },
        {
          "name": "drop_ties",
          "description": "leave out rows that carry a tie"
        }
      ],
      "question_kinds": [
        "pairwise",
        "ranking",
        "rating"
      ],
      "question_kinds_by_option": {},
      "candidate_media": "audio"
    }
  ]
};
