-- Each 附件 (annex) of a PDF starts a page of its own, as in an official document. Used by both
-- renderers (Quarto: _quarto.yml typst filters; fallback: pandoc --lua-filter). The page break goes
-- before the top-level block that holds the annex's heading: Quarto sets a cell's outputs in a typst
-- container, where a page break is not allowed, so it cannot go beside the heading itself.
local function holds_annex(block)
  local found = false
  pandoc.walk_block(pandoc.Div({ block }), {
    Header = function(h)
      if h.level <= 2 and pandoc.utils.stringify(h):match("^附件%d") then
        found = true
      end
    end,
  })
  return found
end

-- A measure's head (its level-3 heading and the list under it) stays on the page of its chart: in
-- Quarto each output is a container of its own, so the head's sticky heading and list (typst-settings.typ)
-- cannot reach the chart in the next output; the two outputs are made one. (The fallback sets the
-- outputs side by side at the top level, where stickiness already holds.)
local function has(block, kind, test)
  local found = false
  pandoc.walk_block(pandoc.Div({ block }), {
    [kind] = function(el)
      if test == nil or test(el) then
        found = true
      end
    end,
  })
  return found
end

local function is_head(block)
  return block.t == "Div" and has(block, "Header", function(h) return h.level == 3 end) and not has(block, "Image")
end

local function is_chart(block)
  return block.t == "Div" and has(block, "Image") and not has(block, "Header")
end

function Div(div)
  if not FORMAT:match("typst") then
    return nil
  end
  local out, merged = pandoc.List(), false
  for _, block in ipairs(div.content) do
    local last = out[#out]
    if last ~= nil and is_head(last) and is_chart(block) then
      last.content:extend(block.content)
      merged = true
    else
      out:insert(block)
    end
  end
  if merged then
    div.content = out
    return div
  end
  return nil
end

function Pandoc(doc)
  if not FORMAT:match("typst") then
    return nil
  end
  local out = pandoc.List()
  for _, block in ipairs(doc.blocks) do
    if (block.t == "Header" or block.t == "Div") and holds_annex(block) then
      out:insert(pandoc.RawBlock("typst", "#pagebreak(weak: true)"))
    end
    out:insert(block)
  end
  doc.blocks = out
  return doc
end
