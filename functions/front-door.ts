/**
 * The front-door function's entry: the Lambda authorizer on the service's own routes when a
 * CloudFront distribution fronts the API; and, once, the parts it is wired from (the origin
 * secret only).
 */
import { frontDoorHandler } from './adapters/api-gateway/front-door-handler';
import * as runtime from './wiring/parts';

export const handler = frontDoorHandler(() => runtime.originSecret().get());
