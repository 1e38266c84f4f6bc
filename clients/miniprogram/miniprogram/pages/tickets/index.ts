import { i18n, messageOf, shop, toastError } from '../../lib/page';
import { ApiTicket, ticketBody, ticketRows, TicketRow } from '../../lib/tickets';
import { newAttemptKey } from '../../lib/shop';
import { t } from '../../lib/i18n';

let attempt = '';

Page({
  data: { i18n: i18n(), rows: [] as TicketRow[], kind: 'question', subject: '', body: '',
          orderNumber: '', error: '', sending: false },
  onLoad(query: Record<string, string | undefined>) {
    attempt = newAttemptKey();
    this.setData({ orderNumber: query.number ?? '' });
  },
  onShow() { this.load(); },
  async load() {
    try {
      const answer = await shop().tickets();
      this.setData({ rows: ticketRows(answer.items as ApiTicket[]) });
    } catch (error) {
      toastError(error);
    }
  },
  onKind(event: WechatMiniprogram.TouchEvent) { this.setData({ kind: String(event.currentTarget.dataset.kind) }); },
  onSubject(event: WechatMiniprogram.Input) { this.setData({ subject: event.detail.value }); },
  onBody(event: WechatMiniprogram.Input) { this.setData({ body: event.detail.value }); },
  async onSend() {
    if (this.data.sending) return;
    const built = ticketBody(this.data.kind, this.data.subject, this.data.body, this.data.orderNumber || undefined);
    if ('missing' in built) {
      this.setData({ error: built.missing });
      return;
    }
    this.setData({ sending: true, error: '' });
    try {
      const opened = await shop().openTicket(built.body, attempt);
      attempt = newAttemptKey();
      this.setData({ subject: '', body: '' });
      wx.showToast({ title: t('ticket.sent'), icon: 'success' });
      wx.navigateTo({ url: `/pages/ticket/index?id=${opened.id}` });
    } catch (error) {
      this.setData({ error: messageOf(error) });
    } finally {
      this.setData({ sending: false });
    }
  },
  onOpen(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: `/pages/ticket/index?id=${event.currentTarget.dataset.id}` });
  },
});
