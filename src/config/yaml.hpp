// yaml-cpp 0.7 (Debian 12) trips GCC 12's -Wdangling-pointer inside its own node/impl.h, a
// known false positive. Every use of yaml-cpp includes it through here, so the warning is
// silenced for that header alone and stays an error for the project's own code.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#include <yaml-cpp/yaml.h>
#pragma GCC diagnostic pop
