import type { Locale } from '../config';
import type { MailKind } from './mail.types';

/**
 * The words of each mail, per language. `{appName}` and `{minutes}` are filled in at send
 * time. Plain text only: the renderer escapes every string before it goes into HTML.
 */
export interface MailCopy {
  subject: string;
  /** The line mail clients show beside the subject. */
  preview: string;
  heading: string;
  intro: string;
  /** Only for mails that carry a code. */
  expiry?: string;
  outro: string;
}

export interface LayoutCopy {
  footer: string;
}

export const layoutCopy: Record<Locale, LayoutCopy> = {
  en: { footer: 'This is an automatic message from {appName}. Please do not reply to it.' },
  ko: { footer: '이 메일은 {appName}에서 자동으로 발송되었습니다. 회신하지 마세요.' },
};

export const mailCopy: Record<Locale, Record<MailKind, MailCopy>> = {
  en: {
    'verification-code': {
      subject: 'Your {appName} verification code',
      preview: 'Enter this code to verify your email address.',
      heading: 'Verify your email address',
      intro: 'Enter this code in {appName} to finish creating your account:',
      expiry: 'The code expires in {minutes} minutes.',
      outro: 'If you did not create an account, you can ignore this email.',
    },
    'verification-code-contested': {
      subject: 'Your {appName} verification code',
      preview: 'Someone else also tried to register with this address.',
      heading: 'Verify your email address',
      intro:
        'Someone just started another {appName} registration with this address, with a different password. This code verifies the address and signs in whoever enters it:',
      expiry: 'The code expires in {minutes} minutes.',
      outro:
        'Because two different passwords were chosen, neither of them will work: after entering the code, choose your password with "Forgot password". If you did not try to register, ignore this email.',
    },
    'password-reset-code': {
      subject: 'Your {appName} password reset code',
      preview: 'Enter this code to choose a new password.',
      heading: 'Reset your password',
      intro: 'Enter this code in {appName} to choose a new password:',
      expiry: 'The code expires in {minutes} minutes.',
      outro: 'If you did not ask to reset your password, ignore this email; your password stays as it is.',
    },
    'registration-attempt': {
      subject: 'Someone tried to register with your {appName} address',
      preview: 'Your account already exists; nothing has changed.',
      heading: 'Your address is already registered',
      intro: 'Someone just tried to create a new {appName} account with this email address. Your account already exists, so nothing was changed.',
      outro: 'If this was you, log in instead, or reset your password if you have forgotten it. If it was not you, you can ignore this email.',
    },
    'password-changed': {
      subject: 'Your {appName} password was changed',
      preview: 'If you did not change it, reset it now.',
      heading: 'Your password was changed',
      intro: 'The password of your {appName} account was just changed, and your other sessions were signed out.',
      outro: 'If you did not do this, reset your password right away.',
    },
    'identity-linked': {
      subject: 'A sign-in provider was linked to your {appName} account',
      preview: 'You can now sign in with it.',
      heading: 'Sign-in provider linked',
      intro: 'An account at a sign-in provider (such as Google or GitHub) was just linked to your {appName} account: it can now be used to sign in.',
      outro: 'If you did not do this, unlink it in your account settings and reset your password right away.',
    },
    'identity-unlinked': {
      subject: 'A sign-in provider was unlinked from your {appName} account',
      preview: 'It can no longer be used to sign in.',
      heading: 'Sign-in provider unlinked',
      intro: 'A sign-in provider was just unlinked from your {appName} account: it can no longer be used to sign in.',
      outro: 'If you did not do this, reset your password right away and contact us.',
    },
    'mfa-enabled': {
      subject: 'Two-step verification is on for your {appName} account',
      preview: 'Signing in now also needs a code from your authenticator app.',
      heading: 'Two-step verification turned on',
      intro:
        'Two-step verification was just turned on for your {appName} account: signing in now also needs a code from your authenticator app or a recovery code.',
      outro: 'If you did not do this, reset your password right away and contact us.',
    },
    'passkey-added': {
      subject: 'A passkey was added to your {appName} account',
      preview: 'It can now be used to sign in.',
      heading: 'New passkey added',
      intro: 'A passkey was just added to your {appName} account. It can now be used to sign in, and as a second step after your password.',
      outro: 'If you did not do this, remove the passkey from your account settings, reset your password right away and contact us.',
    },
    'mfa-disabled': {
      subject: 'Two-step verification is off for your {appName} account',
      preview: 'Signing in no longer needs a code from your authenticator app.',
      heading: 'Two-step verification turned off',
      intro: 'Two-step verification was just turned off for your {appName} account: signing in needs only your password again.',
      outro: 'If you did not do this, reset your password right away and turn two-step verification back on.',
    },
    'login-code': {
      subject: 'Your {appName} sign-in code',
      preview: 'Enter this code to sign in.',
      heading: 'Sign in to {appName}',
      intro: 'Enter this code in {appName} to sign in without your password:',
      expiry: 'The code expires in {minutes} minutes.',
      outro: 'If you did not ask to sign in, ignore this email; nobody can sign in without the code.',
    },
    'email-change-code': {
      subject: 'Confirm your new {appName} email address',
      preview: 'Enter this code to use this address for your account.',
      heading: 'Confirm your new email address',
      intro: 'Someone signed in to {appName} asked to use this address for their account. Enter this code to confirm it:',
      expiry: 'The code expires in {minutes} minutes.',
      outro: 'If you did not ask for this, ignore this email; nothing changes without the code.',
    },
    'email-changed': {
      subject: 'Your {appName} email address was changed',
      preview: 'Your account now uses another address.',
      heading: 'Your email address was changed',
      intro: 'Your {appName} account now signs in with another email address; mail about it no longer comes here.',
      outro: 'If you did not do this, contact support right away: someone else may control your account.',
    },
    'email-change-attempt': {
      subject: 'Someone tried to use your {appName} address',
      preview: 'Your account already uses this address; nothing changed.',
      heading: 'Your address is already in use',
      intro:
        'Someone signed in to another {appName} account just asked to move that account to this email address. Your account already uses it, so nothing was changed.',
      outro: 'You do not need to do anything. If this keeps happening, you can tell support.',
    },
    'account-deleted': {
      subject: 'Your {appName} account was deleted',
      preview: 'Your account and its data are gone.',
      heading: 'Your account was deleted',
      intro: 'Your {appName} account and everything it held were deleted, and every session was signed out.',
      outro: 'If you did not do this, someone else had access to your account; you can register again with this address.',
    },
  },
  ko: {
    'verification-code': {
      subject: '{appName} 인증 코드',
      preview: '이메일 주소를 인증하려면 이 코드를 입력하세요.',
      heading: '이메일 주소 인증',
      intro: '계정 만들기를 마치려면 {appName}에 이 코드를 입력하세요:',
      expiry: '코드는 {minutes}분 후에 만료됩니다.',
      outro: '계정을 만든 적이 없다면 이 메일을 무시하셔도 됩니다.',
    },
    'verification-code-contested': {
      subject: '{appName} 인증 코드',
      preview: '다른 누군가도 이 주소로 가입을 시도했습니다.',
      heading: '이메일 주소 인증',
      intro: '방금 누군가 이 주소로 다른 비밀번호를 사용해 {appName} 가입을 다시 시작했습니다. 이 코드를 입력하는 사람은 주소가 인증되고 로그인됩니다:',
      expiry: '코드는 {minutes}분 후에 만료됩니다.',
      outro:
        '서로 다른 두 비밀번호가 선택되었기 때문에 어느 쪽도 사용할 수 없습니다. 코드를 입력한 뒤 "비밀번호 찾기"로 비밀번호를 정하세요. 가입을 시도하지 않으셨다면 이 메일을 무시하세요.',
    },
    'password-reset-code': {
      subject: '{appName} 비밀번호 재설정 코드',
      preview: '새 비밀번호를 설정하려면 이 코드를 입력하세요.',
      heading: '비밀번호 재설정',
      intro: '새 비밀번호를 설정하려면 {appName}에 이 코드를 입력하세요:',
      expiry: '코드는 {minutes}분 후에 만료됩니다.',
      outro: '비밀번호 재설정을 요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.',
    },
    'registration-attempt': {
      subject: '누군가 회원님의 주소로 {appName} 가입을 시도했습니다',
      preview: '계정은 이미 있으며 아무것도 바뀌지 않았습니다.',
      heading: '이미 가입된 주소입니다',
      intro: '방금 누군가 이 이메일 주소로 새 {appName} 계정을 만들려고 했습니다. 계정이 이미 있으므로 아무것도 바뀌지 않았습니다.',
      outro: '본인이라면 로그인하시거나, 비밀번호가 기억나지 않으면 재설정하세요. 본인이 아니라면 이 메일을 무시하셔도 됩니다.',
    },
    'password-changed': {
      subject: '{appName} 비밀번호가 변경되었습니다',
      preview: '직접 변경하지 않으셨다면 지금 재설정하세요.',
      heading: '비밀번호가 변경되었습니다',
      intro: '{appName} 계정의 비밀번호가 방금 변경되었고, 다른 기기의 세션은 모두 로그아웃되었습니다.',
      outro: '본인이 변경하지 않으셨다면 즉시 비밀번호를 재설정하세요.',
    },
    'identity-linked': {
      subject: '{appName} 계정에 로그인 제공자가 연결되었습니다',
      preview: '이제 이 제공자로 로그인할 수 있습니다.',
      heading: '로그인 제공자가 연결되었습니다',
      intro: '로그인 제공자(Google, GitHub 등)의 계정이 방금 {appName} 계정에 연결되었습니다. 이제 이 제공자로 로그인할 수 있습니다.',
      outro: '본인이 한 일이 아니라면 계정 설정에서 연결을 해제하고 즉시 비밀번호를 재설정하세요.',
    },
    'identity-unlinked': {
      subject: '{appName} 계정에서 로그인 제공자의 연결이 해제되었습니다',
      preview: '이제 이 제공자로 로그인할 수 없습니다.',
      heading: '로그인 제공자의 연결이 해제되었습니다',
      intro: '{appName} 계정에서 로그인 제공자의 연결이 방금 해제되었습니다. 이제 이 제공자로 로그인할 수 없습니다.',
      outro: '본인이 한 일이 아니라면 즉시 비밀번호를 재설정하고 저희에게 알려 주세요.',
    },
    'mfa-enabled': {
      subject: '{appName} 계정에 2단계 인증이 켜졌습니다',
      preview: '이제 로그인할 때 인증 앱의 코드도 필요합니다.',
      heading: '2단계 인증이 켜졌습니다',
      intro: '{appName} 계정에 방금 2단계 인증이 켜졌습니다. 이제 로그인할 때 인증 앱의 코드나 복구 코드도 필요합니다.',
      outro: '본인이 한 일이 아니라면 즉시 비밀번호를 재설정하고 저희에게 알려 주세요.',
    },
    'passkey-added': {
      subject: '{appName} 계정에 패스키가 추가되었습니다',
      preview: '이제 이 패스키로 로그인할 수 있습니다.',
      heading: '새 패스키가 추가되었습니다',
      intro: '{appName} 계정에 방금 패스키가 추가되었습니다. 이제 이 패스키로 로그인할 수 있고, 비밀번호 다음 단계로도 쓸 수 있습니다.',
      outro: '본인이 한 일이 아니라면 계정 설정에서 패스키를 삭제하고 즉시 비밀번호를 재설정한 뒤 저희에게 알려 주세요.',
    },
    'mfa-disabled': {
      subject: '{appName} 계정의 2단계 인증이 꺼졌습니다',
      preview: '이제 로그인할 때 인증 앱의 코드가 필요하지 않습니다.',
      heading: '2단계 인증이 꺼졌습니다',
      intro: '{appName} 계정의 2단계 인증이 방금 꺼졌습니다. 이제 비밀번호만으로 로그인할 수 있습니다.',
      outro: '본인이 한 일이 아니라면 즉시 비밀번호를 재설정하고 2단계 인증을 다시 켜 주세요.',
    },
    'login-code': {
      subject: '{appName} 로그인 코드',
      preview: '로그인하려면 이 코드를 입력하세요.',
      heading: '{appName} 로그인',
      intro: '비밀번호 없이 로그인하려면 {appName}에 이 코드를 입력하세요:',
      expiry: '코드는 {minutes}분 후에 만료됩니다.',
      outro: '로그인을 요청하지 않으셨다면 이 메일을 무시하세요. 코드 없이는 아무도 로그인할 수 없습니다.',
    },
    'email-change-code': {
      subject: '새 {appName} 이메일 주소 확인',
      preview: '이 주소를 계정에 사용하려면 이 코드를 입력하세요.',
      heading: '새 이메일 주소 확인',
      intro: '{appName}에 로그인한 사용자가 이 주소를 계정에 사용하겠다고 요청했습니다. 확인하려면 이 코드를 입력하세요:',
      expiry: '코드는 {minutes}분 후에 만료됩니다.',
      outro: '요청하지 않으셨다면 이 메일을 무시하세요. 코드 없이는 아무것도 바뀌지 않습니다.',
    },
    'email-changed': {
      subject: '{appName} 이메일 주소가 변경되었습니다',
      preview: '계정이 이제 다른 주소를 사용합니다.',
      heading: '이메일 주소가 변경되었습니다',
      intro: '{appName} 계정이 이제 다른 이메일 주소로 로그인합니다. 계정 관련 메일은 더 이상 이 주소로 오지 않습니다.',
      outro: '본인이 변경하지 않으셨다면 즉시 고객 지원에 연락하세요. 다른 사람이 계정을 사용하고 있을 수 있습니다.',
    },
    'email-change-attempt': {
      subject: '누군가 회원님의 {appName} 주소를 사용하려고 했습니다',
      preview: '이 주소는 이미 회원님의 계정이 사용 중이며 아무것도 바뀌지 않았습니다.',
      heading: '이미 사용 중인 주소입니다',
      intro:
        '방금 다른 {appName} 계정에 로그인한 사용자가 그 계정을 이 이메일 주소로 옮기려고 했습니다. 회원님의 계정이 이미 이 주소를 사용하므로 아무것도 바뀌지 않았습니다.',
      outro: '따로 하실 일은 없습니다. 이런 일이 반복되면 고객 지원에 알려 주세요.',
    },
    'account-deleted': {
      subject: '{appName} 계정이 삭제되었습니다',
      preview: '계정과 데이터가 삭제되었습니다.',
      heading: '계정이 삭제되었습니다',
      intro: '{appName} 계정과 계정에 있던 모든 정보가 삭제되었고, 모든 세션이 로그아웃되었습니다.',
      outro: '본인이 삭제하지 않으셨다면 다른 사람이 계정에 접근했던 것입니다. 이 주소로 다시 가입하실 수 있습니다.',
    },
  },
};
