import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { UserEntity } from '#persistence';

export class CreateUserDto {
  @ApiProperty({ maxLength: 200, example: 'alice' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  username: string;

  @ApiProperty({ minLength: 8, maxLength: 1024, format: 'password' })
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  password: string;
}

export class SetPasswordDto {
  @ApiProperty({ minLength: 8, maxLength: 1024, format: 'password' })
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  password: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid', description: 'The sub of this user’s tokens' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) disabled_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;

  static fromEntity(u: UserEntity): UserDto {
    return {
      id: u.id,
      username: u.username,
      disabled: u.disabled_at !== null,
      disabled_at: u.disabled_at === null ? null : new Date(u.disabled_at).toISOString(),
      created_at: new Date(u.created_at).toISOString(),
      updated_at: new Date(u.updated_at).toISOString(),
    };
  }
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] }) items: UserDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
