/**
 * The DynamoDB operations the service calls, with the SDK's types of their documented inputs and
 * outputs (type-only: nothing of the SDK's client is bundled), on the JSON client of aws-json-client.ts.
 */
import type {
  DeleteItemInput,
  DeleteItemOutput,
  GetItemInput,
  GetItemOutput,
  PutItemInput,
  PutItemOutput,
  QueryInput,
  QueryOutput,
  UpdateItemInput,
  UpdateItemOutput,
} from '@aws-sdk/client-dynamodb';
import { AwsJsonClient, DYNAMODB, type AwsApi, type AwsJsonClientOptions } from '../aws-sdk/aws-json-client';

export type DynamoDbOperations = {
  GetItem: [GetItemInput, GetItemOutput];
  PutItem: [PutItemInput, PutItemOutput];
  UpdateItem: [UpdateItemInput, UpdateItemOutput];
  DeleteItem: [DeleteItemInput, DeleteItemOutput];
  Query: [QueryInput, QueryOutput];
};

export type DynamoDbApi = AwsApi<DynamoDbOperations>;

export const dynamoDbApi = (options?: AwsJsonClientOptions): DynamoDbApi => new AwsJsonClient<DynamoDbOperations>(DYNAMODB, options);
