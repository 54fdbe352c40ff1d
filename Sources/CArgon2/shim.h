// libargon2 (Debian's libargon2-dev, the reference implementation): Django's argon2 hashes.
#include <argon2.h>
