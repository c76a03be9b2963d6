import type { Message, MessageRole } from '@/lib/api-types';

import { MessageContent } from './message-content';

const ROLE_LABEL: Record<MessageRole, string> = { system: 'System', user: 'User', assistant: 'Assistant' };

export function ChatContext({ messages }: { messages: Message[] }) {
  if (messages.length === 0) return null;
  return (
    <section className="chat" aria-label="Conversation">
      <ol className="chat__list">
        {messages.map((message, index) => (
          <li key={index} className={`chat__message chat__message--${message.role}`}>
            <div className="chat__role">{ROLE_LABEL[message.role] ?? message.role}</div>
            <div className="chat__body">
              <MessageContent parts={message.content} />
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
