/**
 * The construct's props and the settings' declarations agree, checked by the compiler: every
 * setting the deployer gives (functions/settings/setting-deployment.ts) is a prop of
 * LoginServiceProps holding the values its declaration (functions/settings/settings.ts) reads, and
 * every prop is such a setting or a construct-only prop of infra/operations-props.ts. `tsc` (run
 * by `npm test`) fails on SettingPropsAgree, naming the keys that break the agreement.
 */
import type { DeployerSettingKey } from '../functions/settings/setting-deployment';
import type { EVENT_SETTINGS, PROVIDER_SETTINGS, SERVICE_SETTINGS } from '../functions/settings/settings';
import type { LoginServiceProps, UpstreamApiProps } from './login-service-props';
import type { CONSTRUCT_PROPS } from './operations-props';

type Declared = typeof PROVIDER_SETTINGS & typeof SERVICE_SETTINGS & typeof EVENT_SETTINGS;

/** What a prop holds for a setting of the declared type (the one JSON setting is the list of APIs). */
type PropValue<Declaration> = Declaration extends { type: 'integer' }
  ? number
  : Declaration extends { type: 'enum'; values: readonly (infer Value)[] }
    ? Value
    : Declaration extends { type: 'list'; values: readonly (infer Value)[] }
      ? readonly Value[]
      : Declaration extends { type: 'list' }
        ? readonly string[]
        : Declaration extends { type: 'json' }
          ? readonly UpstreamApiProps[]
          : string;

/** Each holds what the other does: an enum's prop takes exactly the declared values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type ConstructOnly = { [Key in keyof typeof CONSTRUCT_PROPS]: (typeof CONSTRUCT_PROPS)[Key] extends { stack: true } ? never : Key }[keyof typeof CONSTRUCT_PROPS];

/** Settings the deployer gives that have no prop. */
type WithoutProp = Exclude<DeployerSettingKey, keyof LoginServiceProps>;
/** Props that are neither such a setting nor a construct-only prop (and construct-only props that are no prop). */
type Undeclared = Exclude<keyof LoginServiceProps, DeployerSettingKey | ConstructOnly> | Exclude<ConstructOnly, keyof LoginServiceProps>;
/** Props whose type differs from their setting's. */
type Mistyped = {
  [Key in DeployerSettingKey & keyof LoginServiceProps]: Same<Exclude<LoginServiceProps[Key], undefined>, PropValue<Declared[Key]>> extends true ? never : Key;
}[DeployerSettingKey & keyof LoginServiceProps];

/** Compiles only when `Keys` is empty; the error names them. */
type None<Keys extends never> = Keys;

// `& string` makes the compiler spell out the mistyped keys instead of naming the alias.
export type SettingPropsAgree = [withoutProp: None<WithoutProp>, undeclared: None<Undeclared>, mistyped: None<Mistyped & string>];
