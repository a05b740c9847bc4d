import MarkdownIt from 'markdown-it';
import { useMemo } from 'react';

// Raw HTML off: a message is text from a model or a user, never markup to trust. markdown-it also refuses
// javascript:/vbscript:/data: links by default.
let parser: ReturnType<typeof MarkdownIt> | undefined;
function markdown(): ReturnType<typeof MarkdownIt> {
  parser ??= MarkdownIt({ html: false, linkify: true, breaks: true });
  return parser;
}

/** A message rendered as markdown (paragraphs, lists, links, code blocks). */
export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => markdown().render(text), [text]);
  return <div className="rl-md" dangerouslySetInnerHTML={{ __html: html }} />;
}
