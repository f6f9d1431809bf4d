/** Order refusals are stock refusals: their one factory lives with the stock scripts (server/stock/errors.ts). */
export { orderRefusal } from '../stock/errors.ts';
