/**
 * The demo's second API, at `/orders` behind the session authorizer: a Lambda-style function that
 * knows nothing of sessions or tokens and trusts the claims the authorizer passed on, as another
 * team's API on AWS would. It shows the signed-in user's (made-up) orders.
 */
import type { AuthorizedHandler } from './authorized-api';

export const demoOrdersApi: AuthorizedHandler = async (event) => {
  const user = event.requestContext.authorizer?.lambda ?? {};
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify({
      api: 'orders (behind the session authorizer)',
      user,
      orders: [
        { id: 'A-1001', item: 'Notebook', status: 'shipped' },
        { id: 'A-1002', item: 'Pencils', status: 'processing' },
      ],
    }),
  };
};
