import { memo, useMemo } from 'react';

import { renderMarkdown, type MarkdownSource } from '@/lib/markdown';

type MarkdownProps = {
  text: string;
  /** `model` (default) escapes raw HTML; `trusted` (guidelines) renders it. Both are sanitised. */
  source?: MarkdownSource;
  className?: string;
};

export const Markdown = memo(function Markdown({ text, source = 'model', className }: MarkdownProps) {
  const html = useMemo(() => renderMarkdown(text, source), [text, source]);
  return <div className={className ? `markdown ${className}` : 'markdown'} dangerouslySetInnerHTML={{ __html: html }} />;
});
