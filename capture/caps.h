/* caps.h — the capture layer's caps now live with every other cap in core/tw-limits.h. */
#pragma once
#include "core/tw-limits.h"
