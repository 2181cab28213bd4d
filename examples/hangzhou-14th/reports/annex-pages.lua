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
