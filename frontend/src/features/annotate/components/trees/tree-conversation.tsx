import type { TreePathMessage, TreeRole } from '@/lib/api-types';

import { ChatBubble } from '@/components/content/chat-context';

const ROLE_LABEL: Record<TreeRole, string> = { prompter: 'User', assistant: 'Assistant' };

type TreeConversationProps = {
  messages: TreePathMessage[];
  /** What the last message is to this task: the one reviewed, or the one replied to. */
  focus: 'review' | 'reply' | 'none';
};

const FOCUS_NOTE = { review: 'Under review', reply: 'Replying to this', none: '' } as const;

/** The path from the root prompt to the task's message, as a chat: user turns and assistant turns. */
export function TreeConversation({ messages, focus }: TreeConversationProps) {
  if (messages.length === 0) return null;
  return (
    <section className="chat" aria-label="Conversation">
      <ol className="chat__list">
        {messages.map((message, index) => {
          const focused = focus !== 'none' && index === messages.length - 1;
          return (
            <ChatBubble
              key={message.id}
              role={message.role}
              roleLabel={ROLE_LABEL[message.role] ?? message.role}
              parts={message.content}
              className={focused ? 'chat__message--focus' : undefined}
              data-testid={`path-message-${message.id}`}
              aria-current={focused ? 'true' : undefined}
              notes={
                <>
                  {message.mine ? <span className="badge chat__mine">written by you</span> : null}
                  {focused ? <span className="badge chat__focus-note">{FOCUS_NOTE[focus]}</span> : null}
                </>
              }
            />
          );
        })}
      </ol>
    </section>
  );
}
