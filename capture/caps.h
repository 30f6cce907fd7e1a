/* caps.h — the capture layer's caps now live with every other cap in core/limits.h. */
#pragma once
#include "core/limits.h"
