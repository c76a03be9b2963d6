import type { HTMLAttributes, ReactNode } from 'react';

import type { Message, MessageRole, Part } from '@/lib/api-types';

import { MessageContent } from './message-content';

const ROLE_LABEL: Record<MessageRole, string> = { system: 'System', user: 'User', assistant: 'Assistant' };

type ChatBubbleProps = HTMLAttributes<HTMLLIElement> & {
  /** Styles the bubble (`chat__message--<role>`). */
  role: string;
  roleLabel: string;
  parts: Part[];
  /** Shown after the role: badges such as "written by you". */
  notes?: ReactNode;
  className?: string;
};

/** One message of a chat, its role above its (sanitised) content. */
export function ChatBubble({ role, roleLabel, parts, notes, className, ...rest }: ChatBubbleProps) {
  return (
    <li className={`chat__message chat__message--${role}${className ? ` ${className}` : ''}`} {...rest}>
      <div className="chat__role">
        {roleLabel}
        {notes}
      </div>
      <div className="chat__body">
        <MessageContent parts={parts} />
      </div>
    </li>
  );
}

export function ChatContext({ messages }: { messages: Message[] }) {
  if (messages.length === 0) return null;
  return (
    <section className="chat" aria-label="Conversation">
      <ol className="chat__list">
        {messages.map((message, index) => (
          <ChatBubble key={index} role={message.role} roleLabel={ROLE_LABEL[message.role] ?? message.role} parts={message.content} />
        ))}
      </ol>
    </section>
  );
}
