/**
 * The vendor's official channels (shared/API.md, Official channels): the phone numbers, web domains and email
 * domains it really uses, configured once ({@code subdesk.official-channels.*}), and the rule that tells whether a
 * phone number, a web address or an email sender is one of them. Scammers publish "official support numbers" and
 * look-alike sites; the rule compares phone numbers in E.164 and web and email hosts by registrable domain, so
 * that national spellings match and look-alikes, user-info, ports, IDN and encodings do not fool it. Notices and
 * pages name the channels from here.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Official channels", allowedDependencies = "shared")
package dev.subdesk.channels;
