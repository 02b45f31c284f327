// libcrypto from Debian's libssl-dev: HMAC-SHA256 for the DingTalk robot signature.
#include <openssl/evp.h>
#include <openssl/hmac.h>
