import { z } from 'zod';

/** Login names: what a centre's staff type in; Latin letters, digits, dot, dash, underscore. */
export const usernameSchema = z
  .string({ error: '请输入用户名 / Enter a username' })
  .trim()
  .min(2, { error: '用户名至少 2 个字符 / The username needs at least 2 characters' })
  .max(64, { error: '用户名最多 64 个字符 / The username may have at most 64 characters' })
  .regex(/^[A-Za-z0-9._-]+$/, {
    error: '用户名只能包含字母、数字、点、横线和下划线 / Use only letters, digits, dot, dash and underscore',
  });

/** Login accepts any password string (the hash decides); only new passwords follow the policy. */
export const loginPasswordSchema = z
  .string({ error: '请输入密码 / Enter a password' })
  .min(1, { error: '请输入密码 / Enter a password' })
  .max(256, { error: '密码过长 / The password is too long' });

/** New passwords: at least 10 characters with a letter and a digit (GB/T 22239 level-3 practice). */
export const newPasswordSchema = z
  .string()
  .min(10, { error: '新密码至少 10 个字符 / The new password needs at least 10 characters' })
  .max(256, { error: '密码过长 / The password is too long' })
  .regex(/[A-Za-z]/, { error: '新密码须包含字母 / The new password needs a letter' })
  .regex(/[0-9]/, { error: '新密码须包含数字 / The new password needs a digit' });
