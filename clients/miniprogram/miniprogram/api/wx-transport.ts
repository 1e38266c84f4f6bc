import { HttpRequest, HttpResponse, NetworkError, Transport } from './transport';

/** `wx.request` behind the Transport interface. The shop's host must be a request domain
 * (服务器域名) of the mini-program, set in the WeChat admin (see README.md). */
export const wxTransport: Transport = {
  request(request: HttpRequest): Promise<HttpResponse> {
    if (request.method === 'PATCH') {
      return Promise.reject(new NetworkError('wx.request cannot send PATCH'));
    }
    const method = request.method;
    return new Promise((resolve, reject) => {
      wx.request({
        url: request.url,
        method,
        header: { 'content-type': 'application/json', ...request.headers },
        data: request.body as WechatMiniprogram.IAnyObject | undefined,
        dataType: 'json',
        timeout: 15000,
        success(res) {
          resolve({ status: res.statusCode, headers: res.header as Record<string, string>,
                    data: res.data });
        },
        fail(err) {
          reject(new NetworkError(err.errMsg));
        },
      });
    });
  },
};
