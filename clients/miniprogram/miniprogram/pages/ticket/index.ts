import { i18n, messageOf, shop, toastError } from '../../lib/page';
import { ApiTicket, messageRows, MessageRow, ticketStatusText } from '../../lib/tickets';

Page({
  data: { i18n: i18n(), id: 0, subject: '', status: '', resolved: false, messages: [] as MessageRow[],
          reply: '', error: '', sending: false },
  onLoad(query: Record<string, string | undefined>) { this.setData({ id: Number(query.id) }); },
  onShow() { this.load(); },
  show(ticket: ApiTicket) {
    this.setData({ subject: ticket.subject, status: ticketStatusText(ticket.status),
      resolved: ticket.status === 'resolved', messages: messageRows(ticket) });
  },
  async load() {
    try {
      this.show(await shop().ticket(this.data.id) as ApiTicket);
    } catch (error) {
      toastError(error);
    }
  },
  onReplyInput(event: WechatMiniprogram.Input) { this.setData({ reply: event.detail.value }); },
  async onReply() {
    const body = this.data.reply.trim();
    if (!body || this.data.sending) return;
    this.setData({ sending: true, error: '' });
    try {
      this.show(await shop().replyToTicket(this.data.id, body) as ApiTicket);
      this.setData({ reply: '' });
    } catch (error) {
      this.setData({ error: messageOf(error) });
    } finally {
      this.setData({ sending: false });
    }
  },
});
