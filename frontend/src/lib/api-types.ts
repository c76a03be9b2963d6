// Hand-written mirror of the backend contract. Once backend/openapi.json exists, run
// `npm run gen:api` and re-export these names from the generated `api-schema.d.ts` instead.

export type Role = 'admin' | 'researcher' | 'annotator';

export type User = {
  id: number;
  /** The backend's schema allows null (e.g. pseudonymous crowd accounts). */
  email: string | null;
  display_name: string;
  role: Role;
};

export type ApiErrorBody = {
  error: { code: string; message: string; details: unknown };
};

// ---- content ---------------------------------------------------------------

export type TextPart = { type: 'text'; text: string };
/** Image/audio/video parts arrive later; anything unknown is rendered as a placeholder. */
export type UnknownPart = { type: string; [key: string]: unknown };
export type Part = TextPart | UnknownPart;

export type MessageRole = 'system' | 'user' | 'assistant';
export type Message = { role: MessageRole; content: Part[] };

export type CandidateLabel = 'A' | 'B';
export type Candidate = { label: CandidateLabel; content: Part[] };

// ---- questions and answers ------------------------------------------------

export type PairwiseQuestion = {
  kind: 'pairwise';
  id: string;
  prompt: string;
  allow_tie: boolean;
  allow_both_bad: boolean;
};
export type Question = PairwiseQuestion;

export type PairwiseChoice = 'A' | 'B' | 'tie' | 'both_bad';
export type PairwiseAnswer = { choice: PairwiseChoice };
export type Answer = PairwiseAnswer;

// ---- annotator ------------------------------------------------------------

export type AnnotateCampaign = {
  slug: string;
  name: string;
  my_judgments: number;
  available: number;
};

export type Task = {
  assignment_id: number;
  item_id: number;
  expires_at: string;
  campaign: { slug: string; name: string; guidelines: string };
  context: Message[];
  candidates: Candidate[];
  questions: Question[];
};

export type TaskProgress = {
  my_judgments: number;
  items_total: number;
  items_complete: number;
};

export type NextTaskResponse = { task: Task | null; progress: TaskProgress };

export type SubmitJudgmentBody = {
  assignment_id: number;
  client_id: string;
  answers: Record<string, Answer>;
  time_spent_ms: number;
};
export type SubmitJudgmentResponse = { judgment_id: number; client_id: string };

export type SkipTaskBody = { assignment_id: number; reason: string };

// ---- researcher / admin ---------------------------------------------------

export type CampaignStatus = 'active' | 'paused' | 'archived';

export type CampaignProgress = {
  items: number;
  items_complete: number;
  judgments: number;
  judgments_target: number;
};

export type Campaign = {
  id: number;
  slug: string;
  name: string;
  status: CampaignStatus;
  version: number;
  redundancy: number;
  created_at: string;
  progress: CampaignProgress;
};

export type CampaignSpec = {
  name: string;
  slug: string;
  guidelines: string;
  redundancy: number;
  questions: Question[];
};

export type CampaignDetail = Campaign & { spec: CampaignSpec };

export type ImportResult = { imported: number };
export type ImportLineError = { line: number; message: string };

export type ExportStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type ExportFile = { name: string; size: number; sha256: string };
export type ExportJob = {
  id: number;
  campaign_slug: string;
  format: string;
  status: ExportStatus;
  progress: { done: number; total: number };
  row_count: number | null;
  files: ExportFile[];
  error: string | null;
  created_at: string;
  finished_at: string | null;
};
export type CreateExportBody = { format: 'dpo'; conversational: boolean };
