// The screens a participant sees once (consent and survey at the start, the code at the end),
// in one chunk of their own: the task screen never pays for them.
export { CompletionScreen } from './completion-screen';
export { Onboarding } from './onboarding';
