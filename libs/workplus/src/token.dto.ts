import { IsDefined, IsIn, IsNotEmpty, IsString, ValidateIf } from 'class-validator';

/**
 * `POST /v1/token` (docs/api/getStart.md): an application's credentials. `org_id` for an
 * organisation application, `owner_id` (= the domain id) for a domain application; one of the
 * two is required. Fetching a token invalidates the application's previous token.
 */
export class TokenRequestDto {
  /** Always `client_credentials`. */
  @IsDefined()
  @IsIn(['client_credentials'])
  grant_type: 'client_credentials';

  /** Always `app`. */
  @IsDefined()
  @IsIn(['app'])
  scope: string;

  /** The application's domain id. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  domain_id: string;

  /** The application's organisation id (the organisation code). Required unless `owner_id` is given. */
  @ValidateIf((o: TokenRequestDto) => o.owner_id === undefined || o.org_id !== undefined)
  @IsDefined({ message: 'org_id or owner_id is required' })
  @IsString()
  @IsNotEmpty()
  org_id?: string;

  /** For a domain application: the domain id. Required unless `org_id` is given. */
  @ValidateIf((o: TokenRequestDto) => o.org_id === undefined || o.owner_id !== undefined)
  @IsDefined({ message: 'org_id or owner_id is required' })
  @IsString()
  @IsNotEmpty()
  owner_id?: string;

  /** The application's AppKey. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  client_id: string;

  /** The application's AppSecret. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  client_secret: string;
}
