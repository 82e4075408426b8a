import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ParseOptions, ValidationRule } from 'graphql';
import type { Config } from '../config';

/**
 * graphql-armor's limits on depth, aliases, cost, tokens and directives, sized for this API
 * (its deepest real query is `sessions`/`verifyEmail { user { … } }`, depth 3). Field
 * suggestions ("Did you mean …") are masked whenever introspection is off, so they cannot
 * be used to map the schema in production. The token limit is graphql-js's own parser
 * option: armor's version of it answers HTTP 500 under Apollo, the parser's answers 400.
 */
export function queryLimits(config: Config): { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[]; parseOptions: ParseOptions } {
  const limits = config.queryLimits;
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    costLimit: { maxCost: limits.maxCost },
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    blockFieldSuggestion: { enabled: !config.http.introspection },
  }).protect();
  return { plugins, validationRules, parseOptions: { maxTokens: limits.maxTokens } };
}
