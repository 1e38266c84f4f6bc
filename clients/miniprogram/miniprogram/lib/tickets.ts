/** 客服: the shopper's tickets (questions and complaints) and their conversation with the
 * shop, through `/api/v1/tickets`. Statuses and kinds in words, times in China time. */
import { t } from './i18n';
import { chinaTime } from './orders';

export interface ApiTicketMessage { id: number; author: string; body: string; created_at?: string | null }
export interface ApiTicket {
  id: number; kind: string; status: string; subject: string; messages: ApiTicketMessage[];
  order_number?: string | null; created_at?: string | null;
}
export interface TicketRow { id: number; subject: string; status: string; kind: string; at: string; waiting: boolean }
export interface MessageRow { id: number; mine: boolean; body: string; at: string }

const STATUSES = ['open', 'waiting', 'resolved'] as const;
const KINDS = ['question', 'complaint', 'return', 'repair', 'installation'] as const;

export function ticketStatusText(status: string): string {
  return (STATUSES as readonly string[]).includes(status)
    ? t(`ticket.status.${status}` as Parameters<typeof t>[0]) : t('status.unknown');
}

export function ticketKindText(kind: string): string {
  return (KINDS as readonly string[]).includes(kind)
    ? t(`ticket.kind.${kind}` as Parameters<typeof t>[0]) : t('ticket.kind.question');
}

export function ticketRows(items: ApiTicket[]): TicketRow[] {
  return items.map((ticket) => {
    const last = ticket.messages[ticket.messages.length - 1];
    return { id: ticket.id, subject: ticket.subject, status: ticketStatusText(ticket.status),
      kind: ticketKindText(ticket.kind), waiting: ticket.status === 'waiting',
      at: chinaTime(last?.created_at ?? ticket.created_at ?? '') };
  });
}

/** The conversation, the shopper's own messages marked `mine` (drawn on the right). */
export function messageRows(ticket: ApiTicket): MessageRow[] {
  return ticket.messages.map((message) => ({ id: message.id, mine: message.author === 'customer',
    body: message.body, at: chinaTime(message.created_at ?? '') }));
}

/** The body of a new ticket, or the message to show when something is missing. */
export function ticketBody(kind: string, subject: string, body: string, orderNumber?: string):
  { body: { kind: string; subject: string; body: string; order_number?: string } } | { missing: string } {
  if (!subject.trim()) return { missing: t('ticket.no_subject') };
  if (!body.trim()) return { missing: t('ticket.no_body') };
  return { body: { kind: kind === 'complaint' ? 'complaint' : 'question', subject: subject.trim().slice(0, 200),
    body: body.trim(), ...(orderNumber ? { order_number: orderNumber } : {}) } };
}
