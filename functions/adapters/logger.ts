import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs (Powertools); level from POWERTOOLS_LOG_LEVEL, default INFO. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'login-service' });
